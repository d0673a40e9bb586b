"""The SQLite database: connection, migrations, articles, imports."""
