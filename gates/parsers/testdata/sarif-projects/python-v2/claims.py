"""Claims search, added in the second iteration: a new injection in a new file."""
import sqlite3


def claims_by_policy(db: sqlite3.Connection, policy: str):
    return db.execute("SELECT * FROM claims WHERE policy = '" + policy + "'").fetchall()
