// main.js — starts the web application: the router (router.js), the
// session (lib/session.js) and the global styles. Element Plus
// components are imported per use by the build (vite.config.js).
import { createApp } from 'vue';
import App from './App.vue';
import router from './router.js';
import './styles.css';

createApp(App).use(router).mount('#app');
