-- Sign-in attempts counted per address and per name typed (known or not),
-- in the database so that the limits hold across server processes. A row
-- counts the attempts of the window that ends at `window_ends`.
CREATE TABLE sign_in_limits (
    scope       TEXT NOT NULL,
    subject     TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    window_ends TEXT NOT NULL,
    PRIMARY KEY (scope, subject)
);
