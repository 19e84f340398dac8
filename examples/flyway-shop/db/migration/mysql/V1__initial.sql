-- Release 1.0: customers, product catalogue, orders (MySQL 8 / MariaDB 10.5+).
--
-- Every table is InnoDB (foreign keys, CHECK constraints) in utf8mb4 with
-- the binary collation, so string comparisons and unique constraints are
-- case-sensitive as in SQLite and PostgreSQL (the default *_ci collations
-- would make 'A@x' and 'a@x' the same e-mail address).  Ids are
-- AUTO_INCREMENT: like SQLite's INTEGER PRIMARY KEY they are assigned when
-- an INSERT leaves them out, and explicit ids are accepted.  Indexes are
-- declared in CREATE TABLE, so InnoDB never adds its own index for a
-- foreign key.
--
-- Each DDL statement commits implicitly: if a statement fails, the ones
-- before it stay applied.

CREATE TABLE customers (
    id          INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(120) NOT NULL,
    email       VARCHAR(255) NOT NULL,
    street      VARCHAR(200) NULL,
    city        VARCHAR(100) NULL,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_customers_email UNIQUE (email),
    INDEX ix_customers_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE products (
    id     INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    sku    VARCHAR(32) NOT NULL,
    name   VARCHAR(200) NOT NULL,
    price  DOUBLE NOT NULL,           -- dollars (SQLite's REAL)
    CONSTRAINT uq_products_sku UNIQUE (sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE orders (
    id           INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    customer_id  INTEGER NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status       VARCHAR(20) NOT NULL DEFAULT 'new',  -- new, paid, shipped, delivered, cancelled
    INDEX ix_orders_customer_id (customer_id),
    INDEX ix_orders_created_at (created_at),
    CONSTRAINT fk_orders_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE order_items (
    order_id    INTEGER NOT NULL,
    product_id  INTEGER NOT NULL,
    quantity    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (order_id, product_id),
    INDEX ix_order_items_product_id (product_id),
    CONSTRAINT fk_order_items_order_id_orders
        FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT fk_order_items_product_id_products
        FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT ck_order_items_quantity_positive CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
