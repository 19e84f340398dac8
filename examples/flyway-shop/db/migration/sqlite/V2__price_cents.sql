-- Release 1.1: store product prices as integer cents, optional customer phone.
--
-- SQLite cannot add a NOT NULL/CHECK column without a default or drop a
-- column in the same step, so products is rebuilt (create new table, copy,
-- drop old, rename new).  Run with foreign key enforcement off (SQLite's
-- default): dropping products would otherwise fail because order_items
-- references it.

CREATE TABLE products_new (
    id           INTEGER NOT NULL PRIMARY KEY,
    sku          VARCHAR(32) NOT NULL,
    name         VARCHAR(200) NOT NULL,
    price_cents  INTEGER NOT NULL,
    CONSTRAINT uq_products_sku UNIQUE (sku),
    CONSTRAINT ck_products_price_cents_nonnegative CHECK (price_cents >= 0)
);

INSERT INTO products_new (id, sku, name, price_cents)
SELECT id, sku, name, CAST(round(price * 100) AS INTEGER)
FROM products;

DROP TABLE products;

ALTER TABLE products_new RENAME TO products;

ALTER TABLE customers ADD COLUMN phone VARCHAR(32);
