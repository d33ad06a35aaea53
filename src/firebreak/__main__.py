from firebreak.cli import main

raise SystemExit(main())
