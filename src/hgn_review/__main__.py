from hgn_review.cli import main

main()
