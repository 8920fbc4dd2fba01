<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: a template applied from the document's root -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template match="/">
    <dc:conversion><xsl:call-template name="everything"/></dc:conversion>
  </xsl:template>
  <xsl:template name="everything">
    <xsl:copy-of select="domain"/>
  </xsl:template>
</xsl:stylesheet>
