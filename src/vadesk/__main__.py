from vadesk.cli import main

main()
