"""Quote lookups for the underwriting sample (deliberately unsafe, for scanner fixtures)."""
import sqlite3
import subprocess


def quote_by_customer(db: sqlite3.Connection, customer: str):
    return db.execute("SELECT * FROM quotes WHERE customer = '" + customer + "'").fetchall()


def quote_by_product(db: sqlite3.Connection, product: str):
    return db.execute("SELECT * FROM quotes WHERE product = '" + product + "'").fetchall()


def render_pdf(path: str) -> None:
    subprocess.run("wkhtmltopdf " + path, shell=True, check=True)
