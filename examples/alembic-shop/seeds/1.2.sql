-- Seed data for release 1.2 (customers.name renamed to full_name).
INSERT INTO customers (id, full_name, email, street, city, created_at, phone) VALUES
  (201, 'Lena Fischer',     'Lena.Fischer@example.de',    'Bergstrasse 22',      'Hamburg',    '2023-09-06 08:45:00', '+49 40 5550 201'),
  (202, 'Marco Rossi',      'marco.rossi@example.it',     'Via Roma 5',          'Milan',      '2023-09-07 17:30:00', NULL),
  (203, 'Nadia Petrova',    'N.Petrova@EXAMPLE.com',      NULL,                  NULL,         '2023-09-09 11:11:11', '+7 495 555 0203'),
  (204, 'Oscar Lindqvist',  'oscar.lindqvist@example.fi', 'Mannerheimintie 9',   'Helsinki',   '2023-09-12 06:00:00', NULL),
  (205, 'Priya Sharma',     'Priya.Sharma@Example.in',    '14 MG Road',          'Bengaluru',  '2023-09-14 19:20:00', '+91 80 5555 0205'),
  (206, 'Quentin Moreau',   'quentin@moreau.example',     '3 rue Lepic',         'Paris',      '2023-09-15 09:09:09', NULL);

INSERT INTO products (id, sku, name, price_cents) VALUES
  (201, 'UMB-CMP',   'Compact umbrella',            2199),
  (202, 'LAP-SLV13', 'Laptop sleeve, 13 inch',      3499),
  (203, 'MUG-TRV',   'Travel mug, insulated',       1850),
  (204, 'CAL-2024',  'Wall calendar 2024',           900),
  (205, 'PIN-SET',   'Enamel pin set',               699);

INSERT INTO orders (id, customer_id, created_at, status) VALUES
  (201, 201, '2023-09-06 09:00:00', 'delivered'),
  (202, 202, '2023-09-08 10:00:00', 'shipped'),
  (203, 203, '2023-09-10 20:20:20', 'new'),
  (204, 205, '2023-09-14 19:45:00', 'paid'),
  (205, 205, '2023-09-20 07:15:00', 'cancelled'),
  (206, 206, '2023-09-16 13:00:00', 'new'),
  (207, 201, '2023-09-21 16:40:00', 'paid');

INSERT INTO order_items (order_id, product_id, quantity) VALUES
  (201, 201, 1),
  (201, 204, 2),
  (202, 202, 1),
  (203, 203, 2),
  (203, 205, 1),
  (204, 202, 1),
  (204, 201, 1),
  (205, 204, 5),
  (206, 205, 3),
  (207, 203, 1),
  (207, 201, 2);
