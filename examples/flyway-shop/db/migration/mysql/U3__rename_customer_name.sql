-- Undo release 1.2: customers.full_name back to customers.name.

ALTER TABLE customers
    CHANGE full_name name VARCHAR(120) NOT NULL,
    RENAME INDEX ix_customers_full_name TO ix_customers_name;
