/** @type {import('next').NextConfig} */
const nextConfig = {
  // TensorFlow.js, SQLite and the worker code load from node_modules at run time, never bundled.
  serverExternalPackages: [
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-backend-wasm',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    'better-sqlite3',
    'bullmq',
    'ioredis',
    // Upload readers (Excel, ZIP); sharp is external by Next's own list.
    'exceljs',
    'yauzl',
  ],
  devIndicators: false,
};

export default nextConfig;
