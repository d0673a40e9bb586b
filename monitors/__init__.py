"""veille's monitoring side: watch rules, matching, alerts, the daemon and the CLI.

Its tables join the crawler's in every database veille opens: loading this package hands their
owners to the schema runner (crawler.storage.schema.register_owners), after the crawler's, in
the order their migrations apply. The crawler never names them (docs/storage.md)."""

from crawler.storage.schema import register_owners
from monitors.alerts import tables as alerts_tables
from monitors.people import tables as people_tables
from monitors.service import tables as service_tables
from monitors.web import tables as web_tables

register_owners(alerts_tables, service_tables, web_tables, people_tables)
