"""`python -m hgn_review` and the `hgn` command. Nothing is imported before the interrupt handler is in place:
Ctrl-C pressed while Python loads pandas ends with a message, never a traceback."""

import sys


def run() -> None:
    try:
        from hgn_review.cli import main

        main()
    except KeyboardInterrupt:
        english = "--lang=en" in sys.argv or (sys.argv[sys.argv.index("--lang") + 1:][:1] == ["en"]
                                               if "--lang" in sys.argv else False)
        sys.stderr.write("Stopped.\n" if english else "Đã dừng theo yêu cầu.\n")
        sys.exit(130)


if __name__ == "__main__":
    run()
