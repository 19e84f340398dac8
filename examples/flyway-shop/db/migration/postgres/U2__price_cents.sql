-- Undo release 1.1: back to dollars (DOUBLE PRECISION), drop customers.phone.

ALTER TABLE products
    DROP CONSTRAINT ck_products_price_cents_nonnegative,
    ALTER COLUMN price_cents TYPE DOUBLE PRECISION USING price_cents / 100.0;

ALTER TABLE products RENAME COLUMN price_cents TO price;

ALTER TABLE customers DROP COLUMN phone;
