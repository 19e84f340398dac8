-- Release 1.0: customers, product catalogue, orders.

CREATE TABLE customers (
    id          INTEGER NOT NULL PRIMARY KEY,
    name        VARCHAR(120) NOT NULL,
    email       VARCHAR(255) NOT NULL,
    street      VARCHAR(200),
    city        VARCHAR(100),
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_customers_email UNIQUE (email)
);

CREATE INDEX ix_customers_name ON customers (name);

CREATE TABLE products (
    id     INTEGER NOT NULL PRIMARY KEY,
    sku    VARCHAR(32) NOT NULL,
    name   VARCHAR(200) NOT NULL,
    price  REAL NOT NULL,           -- dollars
    CONSTRAINT uq_products_sku UNIQUE (sku)
);

CREATE TABLE orders (
    id           INTEGER NOT NULL PRIMARY KEY,
    customer_id  INTEGER NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status       VARCHAR(20) NOT NULL DEFAULT 'new',  -- new, paid, shipped, delivered, cancelled
    CONSTRAINT fk_orders_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id)
);

CREATE INDEX ix_orders_customer_id ON orders (customer_id);
CREATE INDEX ix_orders_created_at ON orders (created_at);

CREATE TABLE order_items (
    order_id    INTEGER NOT NULL,
    product_id  INTEGER NOT NULL,
    quantity    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (order_id, product_id),
    CONSTRAINT fk_order_items_order_id_orders
        FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT fk_order_items_product_id_products
        FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT ck_order_items_quantity_positive CHECK (quantity > 0)
);

CREATE INDEX ix_order_items_product_id ON order_items (product_id);
