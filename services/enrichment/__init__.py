"""Clients of the outside sources that enrich a lead (issue 20): the NTS business-status API and a
company's homepage. They know no app: the intelligence app hands them numbers and URLs and stores what
comes back (the national SalesOne DB is an app model, so its matcher lives in apps/intelligence)."""
