-- Undo release 1.1: back to dollars, drop customers.phone.  Ordered like V2:
-- the cents stay until the dollar prices are in place.

ALTER TABLE products ADD COLUMN price DOUBLE NULL AFTER name;

UPDATE products SET price = price_cents / 100.0;

ALTER TABLE products
    DROP CONSTRAINT ck_products_price_cents_nonnegative,
    DROP COLUMN price_cents,
    MODIFY price DOUBLE NOT NULL;

ALTER TABLE customers DROP COLUMN phone;
