#!/usr/bin/env python3
"""Runs ../shared/bench/gen_corpus.py unchanged except for one crash.

With --future, the generator moves embargoed advisories to the year 2099 with
`datetime.replace(year=2099)`, which raises for 29 February (2099 is not a
leap year), so N=10,000 never finishes. This shim gives the generator a
datetime whose `replace` moves 29 February to 28 February; every other byte of
the corpus is what the generator writes.
"""

import datetime as _dt
import importlib.util
import os
import sys

GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench", "gen_corpus.py")


class LeapSafeDatetime(_dt.datetime):
    def replace(self, *args, **kwargs):
        year = kwargs.get("year")
        if year is not None and self.month == 2 and self.day == 29:
            try:
                _dt.date(year, 2, 29)
            except ValueError:
                kwargs.setdefault("day", 28)
        return super().replace(*args, **kwargs)


def main():
    spec = importlib.util.spec_from_file_location("gen_corpus", GEN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.datetime = LeapSafeDatetime
    mod.main(sys.argv[1:])


if __name__ == "__main__":
    main()
