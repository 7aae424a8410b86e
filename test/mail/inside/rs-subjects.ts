/** The real server of the UML mail scenario (rs-mail-steps.ts) and the subjects keepalived gives its changes. */
export const RS = { ip: '192.168.0.254', port: 8080 };
export const DOWN = `[DIRECTOR-1] Realserver [${RS.ip}]:tcp:${RS.port} of virtual server [10.0.0.1]:tcp:80 - DOWN`;
export const UP = `[DIRECTOR-1] Realserver [${RS.ip}]:tcp:${RS.port} of virtual server [10.0.0.1]:tcp:80 - UP`;
export const QUORUM_DOWN = '[DIRECTOR-1] Virtualserver [10.0.0.1]:tcp:80 - DOWN';
export const QUORUM_UP = '[DIRECTOR-1] Virtualserver [10.0.0.1]:tcp:80 - UP';
