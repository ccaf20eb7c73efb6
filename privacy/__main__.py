from privacy.cli import main

main()
