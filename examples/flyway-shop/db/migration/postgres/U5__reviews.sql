-- Undo release 2.0: drop reviews, orders without status check and with the
-- old 'new' default.  E-mail addresses stay lower case (the original
-- spelling is gone; lower case is valid in 1.3).

DROP TABLE reviews;

ALTER TABLE orders
    DROP CONSTRAINT ck_orders_status,
    ALTER COLUMN status SET DEFAULT 'new';
