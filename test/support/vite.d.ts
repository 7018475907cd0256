// Vite's import forms the tests use: `?raw` (a file as text) and import.meta.glob (the sources the layer test reads).
/// <reference types="vite/client" />
