-- Undo release 2.0: drop reviews, orders without status check and with the
-- old 'new' default.  E-mail addresses stay lower case (the original
-- spelling is gone; lower case is valid in 1.3).

DROP TABLE reviews;

CREATE TABLE orders_new (
    id           INTEGER NOT NULL PRIMARY KEY,
    customer_id  INTEGER NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status       VARCHAR(20) NOT NULL DEFAULT 'new',
    CONSTRAINT fk_orders_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id)
);

INSERT INTO orders_new (id, customer_id, created_at, status)
SELECT id, customer_id, created_at, status
FROM orders;

DROP TABLE orders;

ALTER TABLE orders_new RENAME TO orders;

CREATE INDEX ix_orders_customer_id ON orders (customer_id);
CREATE INDEX ix_orders_created_at ON orders (created_at);
