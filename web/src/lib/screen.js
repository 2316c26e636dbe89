// lib/screen.js — the screen size pages lay themselves out for: phones
// (a grid worker on their rounds, 390 px wide) get cards, a drawer menu
// and full-width dialogs instead of wide tables.
import { ref } from 'vue';

const query = window.matchMedia('(max-width: 768px)');
export const isMobile = ref(query.matches);
query.addEventListener('change', (e) => { isMobile.value = e.matches; });
