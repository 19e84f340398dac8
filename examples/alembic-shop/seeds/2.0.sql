-- Seed data for release 2.0 (reviews, order status 'pending'/'refunded',
-- e-mail addresses stored in lower case).
INSERT INTO customers (id, full_name, email, created_at, phone) VALUES
  (401, 'Wanjiru Kamau',    'wanjiru.kamau@example.ke',   '2024-06-04 07:00:00', '+254 20 555 0401'),
  (402, 'Xavier Dubois',    'xavier.dubois@example.fr',   '2024-06-05 12:00:00', NULL),
  (403, 'Yara Nunes',       'yara.nunes@example.br',      '2024-06-06 15:30:00', '+55 11 5555 0403'),
  (404, 'Zoltan Kiss',      'zoltan.kiss@example.hu',     '2024-06-08 09:10:00', NULL),
  (405, 'Amara Okafor',     'amara.okafor@example.ng',    '2024-06-09 18:18:18', '+234 1 555 0405');

INSERT INTO addresses (id, customer_id, street, city) VALUES
  (2401, 401, 'Moi Avenue 17',        'Nairobi'),
  (2402, 402, '8 quai des Chartrons', 'Bordeaux'),
  (2403, 403, 'Av. Paulista 1000',    'Sao Paulo'),
  (2404, 404, NULL,                   NULL),
  (2405, 405, '5 Awolowo Road',       'Lagos');

INSERT INTO products (id, sku, name, price_cents) VALUES
  (401, 'JKT-RAIN-M', 'Rain jacket, M',             8900),
  (402, 'TOTE-XL',    'Tote bag XL, recycled',      1499),
  (403, 'CANDLE-FIG', 'Scented candle, fig',        1800),
  (404, 'PUZ-1000',   'Jigsaw puzzle, 1000 pieces', 2299),
  (405, 'SOCK-WOOL',  'Merino socks',               1350);

INSERT INTO orders (id, customer_id, created_at, status) VALUES
  (401, 401, '2024-06-04 07:30:00', 'pending'),
  (402, 401, '2024-06-10 10:00:00', 'paid'),
  (403, 402, '2024-06-05 12:45:00', 'delivered'),
  (404, 403, '2024-06-06 16:00:00', 'refunded'),
  (405, 404, '2024-06-08 09:30:00', 'shipped'),
  (406, 405, '2024-06-09 19:00:00', 'cancelled'),
  (407, 405, '2024-06-12 08:20:00', 'pending');

INSERT INTO order_items (order_id, product_id, quantity) VALUES
  (401, 401, 1),
  (402, 405, 3),
  (402, 402, 1),
  (403, 403, 2),
  (404, 404, 1),
  (405, 401, 1),
  (405, 405, 2),
  (406, 402, 1),
  (407, 403, 1),
  (407, 404, 1);

INSERT INTO reviews (id, product_id, customer_id, rating, title, body, created_at) VALUES
  (401, 403, 402, 5, 'Smells amazing',   'Burns evenly, lasts for weeks.',           '2024-06-15 20:00:00'),
  (402, 404, 403, 2, 'Missing pieces',   'Two pieces missing, support sent them.',   '2024-06-16 11:30:00'),
  (403, 401, 404, 4, NULL,               'Keeps me dry, sleeves a bit long.',        '2024-06-18 08:00:00'),
  (404, 405, 401, 5, 'Warm and soft',    NULL,                                       '2024-06-20 19:45:00'),
  (405, 402, 405, 3, 'Fine',             'Does the job.',                            '2024-06-21 13:13:13'),
  (406, 401, 401, 4, 'Good jacket',      'Light and packable.',                      '2024-06-22 07:07:07');
