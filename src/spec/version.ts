/** The spec's version and kind: what every platform.yaml starts with. */
export const API_VERSION = 'platformctl.dev/v1alpha1';
export const KIND = 'Platform';
