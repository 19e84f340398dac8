-- Release 1.1: store product prices as integer cents, optional customer phone.
--
-- PostgreSQL changes the column in place (ALTER COLUMN ... TYPE ... USING
-- converts every row), and DDL is transactional: the whole file applies or
-- nothing of it does.

ALTER TABLE products RENAME COLUMN price TO price_cents;

ALTER TABLE products
    ALTER COLUMN price_cents TYPE INTEGER USING round(price_cents * 100)::INTEGER,
    ADD CONSTRAINT ck_products_price_cents_nonnegative CHECK (price_cents >= 0);

ALTER TABLE customers ADD COLUMN phone VARCHAR(32);
