/** The app's version, written into trained-model files and ONNX metadata and reported by the service's hello. Keep it equal to package.json's. */
export const APP_VERSION = '0.1.0';
