-- A payroll client may be bound to its TLS client certificate (mutual TLS): the SHA-256 of
-- the certificate (DER). A bound client must present that certificate as well as its token.
ALTER TABLE payroll_clients ADD COLUMN cert_sha256 BYTEA;
