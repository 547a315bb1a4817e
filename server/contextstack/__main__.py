from contextstack.cli import main

raise SystemExit(main())
