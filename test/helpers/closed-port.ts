/**
 * A loopback port where nothing listens, for "connection refused" cases:
 * port 1 (tcpmux). A port a test opens and closes again can be handed to
 * someone else's listener before it is used (the OS reuses ephemeral ports),
 * and then the check meant to be refused talks to a stranger; port 1 is
 * outside the ephemeral range and nothing here serves it.
 */
export const CLOSED_PORT = 1;
