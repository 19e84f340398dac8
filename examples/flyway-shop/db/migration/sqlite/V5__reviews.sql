-- Release 2.0: product reviews, order status check with 'pending' default,
-- lower-case e-mail addresses.

CREATE TABLE reviews (
    id           INTEGER NOT NULL PRIMARY KEY,
    product_id   INTEGER NOT NULL,
    customer_id  INTEGER NOT NULL,
    rating       INTEGER NOT NULL,
    title        VARCHAR(200),
    body         TEXT,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT fk_reviews_product_id_products
        FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT fk_reviews_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
    CONSTRAINT ck_reviews_rating_range CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT uq_reviews_product_id_customer_id UNIQUE (product_id, customer_id)
);

CREATE INDEX ix_reviews_customer_id ON reviews (customer_id);

-- New orders wait for payment ('pending'); 'new' stays valid for orders
-- created before 2.0.  SQLite cannot add a CHECK or change a default in
-- place, so orders is rebuilt (foreign key enforcement must be off).
CREATE TABLE orders_new (
    id           INTEGER NOT NULL PRIMARY KEY,
    customer_id  INTEGER NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status       VARCHAR(20) NOT NULL DEFAULT 'pending',
    CONSTRAINT fk_orders_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id),
    CONSTRAINT ck_orders_status
        CHECK (status IN ('new', 'pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'))
);

INSERT INTO orders_new (id, customer_id, created_at, status)
SELECT id, customer_id, created_at, status
FROM orders;

DROP TABLE orders;

ALTER TABLE orders_new RENAME TO orders;

CREATE INDEX ix_orders_customer_id ON orders (customer_id);
CREATE INDEX ix_orders_created_at ON orders (created_at);

-- E-mail addresses are compared case-insensitively from 2.0 on.  Fails on the
-- unique constraint if two customers differ only in case.
UPDATE customers SET email = lower(email) WHERE email <> lower(email);
