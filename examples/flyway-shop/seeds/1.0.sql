-- Seed data for release 1.0 (customers.name, street/city on customers,
-- products.price in dollars).
INSERT INTO customers (id, name, email, street, city, created_at) VALUES
  (1, 'Alice Martin',   'Alice.Martin@Example.com',  '12 Rose Lane',        'Springfield', '2023-02-03 10:15:00'),
  (2, 'Bruno Keller',   'bruno.keller@example.org',  '4 Hauptstrasse',      'Zurich',      '2023-02-04 08:02:11'),
  (3, 'Chen Wei',       'CHEN.WEI@MAIL.EXAMPLE',     '88 Harbour Road',     'Hong Kong',   '2023-02-10 19:44:52'),
  (4, 'Dana O''Neill',  'dana.oneill@Example.net',   NULL,                  'Dublin',      '2023-02-11 12:00:00'),
  (5, 'Eduardo Silva',  'eduardo@silva.example',     'Rua das Flores 210',  'Lisbon',      '2023-02-15 07:30:45'),
  (6, 'Fatima Zahra',   'F.Zahra@example.com',       NULL,                  NULL,          '2023-02-20 21:05:09');

INSERT INTO products (id, sku, name, price) VALUES
  (1, 'MUG-001',  'Ceramic mug, 350 ml',            12.5),
  (2, 'TEE-BLK-M','T-shirt, black, M',              19.99),
  (3, 'TEE-BLK-L','T-shirt, black, L',              19.99),
  (4, 'BAG-CNV',  'Canvas tote bag',                 8.75),
  (5, 'NB-A5',    'Notebook A5, dotted',             4.2),
  (6, 'PEN-GEL',  'Gel pen, 0.5 mm',                 0.99),
  (7, 'HD-GRY-L', 'Hoodie, grey, L',                49.0),
  (8, 'STK-PACK', 'Sticker pack (10)',               3.33);

INSERT INTO orders (id, customer_id, created_at, status) VALUES
  (1, 1, '2023-02-05 09:00:00', 'delivered'),
  (2, 1, '2023-03-01 17:22:10', 'shipped'),
  (3, 2, '2023-02-06 11:45:00', 'paid'),
  (4, 3, '2023-02-12 08:10:33', 'cancelled'),
  (5, 5, '2023-02-16 14:00:00', 'new'),
  (6, 4, '2023-02-18 16:30:00', 'delivered'),
  (7, 6, '2023-02-21 09:12:00', 'new');

INSERT INTO order_items (order_id, product_id, quantity) VALUES
  (1, 1, 2),
  (1, 6, 10),
  (2, 2, 1),
  (2, 8, 3),
  (3, 7, 1),
  (3, 5, 4),
  (4, 3, 1),
  (5, 4, 2),
  (5, 1, 1),
  (6, 5, 2),
  (6, 6, 5),
  (7, 2, 1),
  (7, 3, 1);
