// vite.config.js — how the web application is built (Vite, Vue 3,
// Element Plus loaded per component). `make` runs `npm run build`; the
// output in dist/ is embedded in the minsheng binary by
// scripts/embed-web.sh and served by src/server/static.c. Nothing may load
// from another origin (the CSP forbids it): no CDN, fonts from the system.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import AutoImport from 'unplugin-auto-import/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';

export default defineConfig({
  plugins: [
    vue(),
    // Element Plus components and services imported where used, with
    // their own CSS: the login page does not carry the table. Use
    // ElMessage, ElMessageBox … WITHOUT importing them from
    // 'element-plus' (an explicit import would come without its CSS).
    AutoImport({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
