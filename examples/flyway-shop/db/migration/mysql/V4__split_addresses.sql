-- Release 1.3: move street/city from customers into addresses.
--
-- One address per customer (customer_id is unique).  Every customer gets a
-- row, even without street/city, and the address id is the customer id so
-- the copy is deterministic.  InnoDB moves AUTO_INCREMENT past the copied
-- ids by itself.

CREATE TABLE addresses (
    id           INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
    customer_id  INTEGER NOT NULL,
    street       VARCHAR(200) NULL,
    city         VARCHAR(100) NULL,
    CONSTRAINT fk_addresses_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
    CONSTRAINT uq_addresses_customer_id UNIQUE (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO addresses (id, customer_id, street, city)
SELECT id, id, street, city
FROM customers;

ALTER TABLE customers
    DROP COLUMN street,
    DROP COLUMN city;
