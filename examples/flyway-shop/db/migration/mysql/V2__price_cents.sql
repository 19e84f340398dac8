-- Release 1.1: store product prices as integer cents, optional customer phone.
--
-- Each DDL statement commits implicitly, so the steps are ordered to keep
-- the dollar prices until the cents are in place: add price_cents, fill it,
-- then in one ALTER make it NOT NULL, add its check and drop price.  If
-- that ALTER fails, price is still intact.

ALTER TABLE products ADD COLUMN price_cents INTEGER NULL AFTER name;

UPDATE products SET price_cents = ROUND(price * 100);

ALTER TABLE products
    MODIFY price_cents INTEGER NOT NULL,
    ADD CONSTRAINT ck_products_price_cents_nonnegative CHECK (price_cents >= 0),
    DROP COLUMN price;

ALTER TABLE customers ADD COLUMN phone VARCHAR(32) NULL;
