"""0003 turns dollar prices (REAL) into whole cents, rounding: 19.99 is 1999, not 1998."""

BEFORE = "0002_orders"
TARGET = "0003_price_cents"


def before(db):
    db.insert(
        "products",
        [
            {"id": 1, "sku": "LAMP-1", "name": "lamp", "price": 19.99},
            {"id": 2, "sku": "DESK-1", "name": "desk", "price": 0.29},
        ],
    )


def after(db):
    assert db.one("products", id=1)["price_cents"] == 1999
    assert db.one("products", id=2)["price_cents"] == 29
    assert "price" not in db.one("products", id=1)
