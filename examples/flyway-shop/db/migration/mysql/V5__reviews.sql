-- Release 2.0: product reviews, order status check with 'pending' default,
-- lower-case e-mail addresses.

CREATE TABLE reviews (
    id           INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id   INTEGER NOT NULL,
    customer_id  INTEGER NOT NULL,
    rating       INTEGER NOT NULL,
    title        VARCHAR(200) NULL,
    body         TEXT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    INDEX ix_reviews_customer_id (customer_id),
    CONSTRAINT fk_reviews_product_id_products
        FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
    CONSTRAINT fk_reviews_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
    CONSTRAINT ck_reviews_rating_range CHECK (rating BETWEEN 1 AND 5),
    CONSTRAINT uq_reviews_product_id_customer_id UNIQUE (product_id, customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- New orders wait for payment ('pending'); 'new' stays valid for orders
-- created before 2.0.  Adding the CHECK validates the existing rows.
ALTER TABLE orders
    ALTER COLUMN status SET DEFAULT 'pending',
    ADD CONSTRAINT ck_orders_status
        CHECK (status IN ('new', 'pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'));

-- E-mail addresses are compared case-insensitively from 2.0 on.  Fails on the
-- unique constraint if two customers differ only in case.  (With the tables'
-- binary collation, <> compares case-sensitively.)
-- BINARY: MySQL and MariaDB compare e-mail addresses case-insensitively, so without it the
-- condition matched no row and nothing was lowercased (found by alembic-shop's step test).
UPDATE customers SET email = LOWER(email) WHERE BINARY email <> LOWER(email);
