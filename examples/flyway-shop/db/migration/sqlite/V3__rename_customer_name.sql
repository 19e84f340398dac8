-- Release 1.2: customers.name becomes customers.full_name.

DROP INDEX ix_customers_name;

ALTER TABLE customers RENAME COLUMN name TO full_name;

CREATE INDEX ix_customers_full_name ON customers (full_name);
