-- Undo release 1.3: copy addresses back onto customers, drop addresses.

ALTER TABLE customers
    ADD COLUMN street VARCHAR(200),
    ADD COLUMN city VARCHAR(100);

UPDATE customers c
SET street = a.street,
    city   = a.city
FROM addresses a
WHERE a.customer_id = c.id;

DROP TABLE addresses;
