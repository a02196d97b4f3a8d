"""`make loadtest`: the portal under many users at once (docs/loadtest.md).

setup.py prepares the database and writes the plan (tokens, sessions, references) that
locustfile.py reads; report.py turns Locust's CSV into one JSON object per route. None of
these files is named test_*.py, so pytest does not collect them.
"""
