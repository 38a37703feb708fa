export { paymentsPlugin, chargeTool, refundTool, balanceTool } from './payments.plugin.js';
