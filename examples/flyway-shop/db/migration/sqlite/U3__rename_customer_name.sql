-- Undo release 1.2: customers.full_name back to customers.name.

DROP INDEX ix_customers_full_name;

ALTER TABLE customers RENAME COLUMN full_name TO name;

CREATE INDEX ix_customers_name ON customers (name);
