from svctui.cli import main

raise SystemExit(main())
