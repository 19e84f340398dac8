-- Undo release 1.1: back to REAL dollars, drop customers.phone.

CREATE TABLE products_new (
    id     INTEGER NOT NULL PRIMARY KEY,
    sku    VARCHAR(32) NOT NULL,
    name   VARCHAR(200) NOT NULL,
    price  REAL NOT NULL,
    CONSTRAINT uq_products_sku UNIQUE (sku)
);

INSERT INTO products_new (id, sku, name, price)
SELECT id, sku, name, price_cents / 100.0
FROM products;

DROP TABLE products;

ALTER TABLE products_new RENAME TO products;

ALTER TABLE customers DROP COLUMN phone;
