-- troupe 002: the W3C trace id of each image and inference (protocols/trace_context.ts),
-- so one image's way from capture to stored row and inference row can be followed.
-- Null for rows written before this migration, or from records without a traceparent.

ALTER TABLE images ADD COLUMN trace_id text CHECK (trace_id ~ '^[0-9a-f]{32}$');
ALTER TABLE inferences ADD COLUMN trace_id text CHECK (trace_id ~ '^[0-9a-f]{32}$');
CREATE INDEX images_trace_id ON images (trace_id);
CREATE INDEX inferences_trace_id ON inferences (trace_id);
