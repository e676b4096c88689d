"""`make demo`: a sample district of province 30 (with some errors), then the whole round on it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from hgn_review.cli import main as cli_main

DEMO = Path("demo-out")


def main() -> None:
    returns, out = DEMO / "bieu_ra_soat", DEMO / "ket_qua"
    if returns.exists():
        shutil.rmtree(returns)
    print("1/2  Sinh biểu rà soát mẫu: các xã của huyện 288 (tỉnh Hải Dương cũ), có cài lỗi …", flush=True)
    sys.argv = ["hgn", "sample", "--province", "30", "--district", "288", "--communes", "0", "--households", "300",
                "--seed", "7", "--error-rate", "0.01", "--out", str(returns)]
    _call()
    print("2/2  hgn run: kiểm tra, phân loại, tổng hợp, lập biểu …", flush=True)
    sys.argv = ["hgn", "run", str(returns), "--out", str(out), "--marked-copies"]
    _call()
    print(f"\nXong. Mở {out / 'bao_cao' / 'report.html'} trong trình duyệt; biểu mẫu ở {out / 'bao_cao'}; "
          f"lỗi cần sửa ở {out / 'phat_hien.xlsx'} (và bản sao tô lỗi của từng biểu ở {out / 'phat_hien_ban_sao'}); "
          f"hướng dẫn ở {out / 'README.txt'}.")


def _call() -> None:
    try:
        cli_main()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise


if __name__ == "__main__":
    main()
