import { mount } from 'svelte'
import App from './App.svelte'
import './app.css'

/** Mounts the editor into #app. */
const target = document.getElementById('app')
if (!target) throw new Error('Unweave: #app element missing from index.html')
export default mount(App, { target })
