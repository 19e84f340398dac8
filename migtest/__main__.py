from migtest.cli import main

raise SystemExit(main())
