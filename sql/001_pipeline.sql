-- troupe 001: the pipeline's tables (contract in ARCHITECTURE.md).
-- Applied by clients/postgres.ts under an advisory lock, in the schema named by
-- DATABASE_SCHEMA (search_path), and recorded in troupe_migrations.

CREATE TABLE images (
  image_id     text PRIMARY KEY,
  device_id    text NOT NULL,
  seq          bigint NOT NULL CHECK (seq >= 0),
  captured_at  timestamptz NOT NULL,
  fine_label   integer NOT NULL,
  coarse_label integer NOT NULL,
  width        integer NOT NULL CHECK (width > 0),
  height       integer NOT NULL CHECK (height > 0),
  png          bytea NOT NULL,
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  received_at  timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX images_device_seq ON images (device_id, seq);
CREATE INDEX images_captured_at ON images (captured_at);

CREATE TABLE inferences (
  image_id    text NOT NULL,
  model       text NOT NULL,
  top         jsonb NOT NULL,
  top1_label  text NOT NULL,
  top1_prob   double precision NOT NULL,
  latency_ms  double precision NOT NULL,
  inferred_at timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (image_id, model)
);

CREATE TABLE devices (
  device_id  text PRIMARY KEY,
  first_seen timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL,
  images     bigint NOT NULL DEFAULT 0
);
