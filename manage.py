#!/usr/bin/env python
from marketdock.manage import main

if __name__ == "__main__":
    main()
