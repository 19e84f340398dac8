-- Undo release 1.3: copy addresses back onto customers, drop addresses.

ALTER TABLE customers ADD COLUMN street VARCHAR(200);

ALTER TABLE customers ADD COLUMN city VARCHAR(100);

UPDATE customers
SET street = (SELECT a.street FROM addresses a WHERE a.customer_id = customers.id),
    city   = (SELECT a.city   FROM addresses a WHERE a.customer_id = customers.id);

DROP TABLE addresses;
